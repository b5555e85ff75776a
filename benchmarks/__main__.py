"""`python -m benchmarks`: every benchmark of the project, one after the other."""

from benchmarks import handbook_bench, lti_bench, packager_bench

packager_bench.main()
handbook_bench.main()
lti_bench.main()
