import sys

from hhvalues.cli import main

sys.exit(main())
