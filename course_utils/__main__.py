"""`python -m course_utils doctor | download`: runs `course_utils.cli.main`."""

from course_utils.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
