"""Offline stand-in for ansible-test's pip bootstrap download: ensurepip, then pip installs the rest."""

import ensurepip
import os
import subprocess
import sys

env = os.environ.copy()  # ensurepip blanks PIP_CONFIG_FILE; keep the machine's pip configuration
ensurepip.bootstrap(upgrade=True, default_pip=True)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + args, env=env))
