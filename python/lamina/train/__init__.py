"""``lamina train``: end-to-end training jobs on real data that ships with installed packages."""
