"""`python bench/run.py [options]` from a checkout: the benchmark driver, same as `lamina bench`."""
import sys
from lamina.bench.run import main
sys.exit(main())
