"""Trust in every file (Quy chế Điều 6.2, Điều 8): signature verification against the trust
roots the admin loaded, stored evidence, integrity of the file store over time, secrecy
markings refused at intake, legacy Vietnamese encodings, the agency's own signature."""
