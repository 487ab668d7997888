import sys

from tools.docsgen import main

sys.exit(main())
