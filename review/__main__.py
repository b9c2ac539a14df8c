"""``python -m review`` is the same as the ``competency-review`` console script."""

from review.cli import main

raise SystemExit(main())
