#!/usr/bin/env python
from townhall.cli import main

if __name__ == "__main__":
    main()
