"""The guide's own web pages, framework-free: plain request in, plain response out.

Nothing here knows which server runs it, so the same handlers serve `bot/serve.py` locally
and an AWS Lambda Function URL later.
"""
