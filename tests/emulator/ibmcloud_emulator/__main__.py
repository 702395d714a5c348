"""python -m ibmcloud_emulator: the same as the ibmcloud-emulator command."""

import sys

from .cli import main

sys.exit(main())
