# Django's English formats, with the time zone after every date and time: the registry's
# people and stores are in several zones, and a bare "10:42" is ambiguous.
DATETIME_FORMAT = "N j, Y, P T"
# A time alone names its zone too ("12:15 p.m. CET"): and a sentence ending with it no longer
# ends "p.m.." (the zone comes after the abbreviation's full stop).
TIME_FORMAT = "P T"
