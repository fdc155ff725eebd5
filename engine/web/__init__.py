"""The guide's own web pages, framework-free: plain request in, plain response out.

Nothing here knows which server runs it: `bot/web.py` routes `/done/...` and
`/unsubscribe/...` here for both `og serve` (waitress) and the AWS Lambda Function URL.
"""
