"""Features: one package each (cog.py glue, service.py rules, repository.py SQL, views.py UI)."""
