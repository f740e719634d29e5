"""Names of the roles, and the password rule, without the database: the command line's parser reads them."""

ANNOTATOR, REVIEWER, ADMIN = "annotator", "reviewer", "admin"
ROLES = (ANNOTATOR, REVIEWER, ADMIN)
MIN_PASSWORD = 8
