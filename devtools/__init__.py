"""Tools for developing the bot, run from a clone: the Bot API stand-in, the playground,
and what the tests and the benchmarks share. Not packaged: the bot never imports them."""
