"""The store: everything that lives in the database, in rooms that build on one another.

===================  =================================================================
room                 what it holds
===================  =================================================================
``exports``          answers, scores, item table and bundle as files, each audited
``demonstration``    walks recorded move by move; a study's walks made into a bank
``analysis``         the Results table and live monitoring of a study
``participation``    a participant's answer session, from link to completion code
``studies``          study configuration, studies, participants and their assignments
``accounts``         console users, sessions and the single sign-on allow-list
``db``               engine, tables, migrations, bank and answer queries, audit log, clock
===================  =================================================================

A room imports only rooms below it in this table (``exports`` and ``demonstration`` are
independent siblings, as are ``analysis`` and ``participation``, and ``studies`` and
``accounts``): an import-linter contract in
``pyproject.toml`` keeps it so. Each room's ``__init__`` lists what the others, the pages and
the commands may use; nothing reaches past it into a room's modules. Pages and commands get
frozen values back, never an ORM row (the ``db`` room's tables are for the other rooms).

This package imports none of its rooms, so ``import hhvalues.store.db`` loads the database
room alone.
"""
