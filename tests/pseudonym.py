"""The pseudonym key the ``store`` fixture gives its state store, so tests can name permissions as plans do."""

TEST_PSEUDONYM_KEY = bytes(range(32))
