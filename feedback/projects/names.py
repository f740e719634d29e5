"""Names of a project's settings' choices, without the database: the command line's parser reads them."""

CONSENSUS_METHODS = ("majority", "dawid_skene")
