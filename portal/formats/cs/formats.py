# Django's Czech formats, with the time zone after every date and time (see en/formats.py).
DATETIME_FORMAT = "j. E Y G:i T"
TIME_FORMAT = "G:i T"
