// Never compiled: the world is wrong.
