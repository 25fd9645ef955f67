"""Run inside the newspaper4k virtualenv: download and parse a list of article URLs.

Reads URLs (one a line) from ``--urls``, fetches them with newspaper4k's own threaded
``fetch_news`` and writes one JSON line ``{"url", "text", "title"}`` per article to ``--out``.
"""

import argparse
import json

from newspaper.mthreading import fetch_news


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--urls", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()
    with open(args.urls, encoding="utf-8") as fh:
        urls = [line.strip() for line in fh if line.strip()]
    articles = fetch_news(urls, threads=args.threads)
    with open(args.out, "w", encoding="utf-8") as out:
        for article in articles:
            out.write(json.dumps({"url": article.url, "title": article.title, "text": article.text},
                                 ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
