"""Makes this folder's plain helper modules importable from every test folder.

pytest puts the folder of a conftest that is outside any package on ``sys.path``
when it loads it, before it collects ``server/`` and ``traffic/``: so their tests
can import ``builders``, ``loopback`` and ``standin`` as the tests here do, even
when a single file of theirs is run. Fixtures stay in the test modules.
"""
