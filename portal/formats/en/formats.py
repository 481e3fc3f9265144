# Django's English formats, with the time zone after every date and time: the registry's
# people and stores are in several zones, and a bare "10:42" is ambiguous.
DATETIME_FORMAT = "N j, Y, P T"
