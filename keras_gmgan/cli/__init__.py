"""The `keras-gmgan` command line. Keras is imported only once a command runs."""
