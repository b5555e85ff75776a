"""`python -m benchmarks`: every benchmark of the project, one after the other."""

from benchmarks import handbook_bench, packager_bench

packager_bench.main()
handbook_bench.main()
try:
    from benchmarks import lti_bench
except ImportError:  # the LTI tool's benchmark ships with the tool
    lti_bench = None
if lti_bench is not None:
    lti_bench.main()
