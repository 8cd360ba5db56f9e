"""`python -m papers_bot` is the `papers-bot` command."""

from papers_bot.cli import main

main()
