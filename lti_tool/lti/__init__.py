"""LTI 1.3 protocol core: no web framework, no database. The web shell passes requests'
fields in and gets values or :class:`~lti_tool.lti.errors.LtiError` back."""
