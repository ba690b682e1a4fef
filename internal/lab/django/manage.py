#!/usr/bin/python3
"""The lab's Django project: python3 manage.py runserver, or any WSGI/ASGI server."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "labsite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
