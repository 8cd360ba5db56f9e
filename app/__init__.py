"""papers-bot: answers questions about a collection of research papers, in Discord and at the command line.

The package's parts (the repository's folders, mapped by pyproject.toml):

- `papers_bot.store` (store/): listings parsed into SQLite, the record.
- `papers_bot.retrieval` (retrieval/): the tantivy index derived from it, ranking, passages and facts.
- `papers_bot.bot` (bot/): the commands and replies, in Discord (`papers-bot run`) or a terminal (`chat`).
- here (app/): `Library`, which coordinates those three; the configuration; the exceptions; the plain and
  Discord text formats that every front end shares; and `cli`, the `papers-bot` command.
"""
