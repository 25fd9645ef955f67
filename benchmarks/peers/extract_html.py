"""Run inside a peer's virtualenv: extract the article text of pages already on disk.

``--tool newsplease`` uses ``NewsPlease.from_html``, ``--tool newspaper4k`` newspaper4k's
``Article.download(input_html=...)`` + ``parse()``, ``--tool trafilatura`` ``trafilatura.extract``
with its defaults. Input: JSON lines ``{"id", "path", "url"}`` (``path`` an HTML file, read as
UTF-8, gunzipped when it ends in .gz); output: JSON lines ``{"id", "text"}`` (``text`` null when the tool raised or found none).
"""

import argparse
import gzip
import json
import sys
import time


def extractor(tool: str):
    if tool == "newsplease":
        from newsplease import NewsPlease

        def run(html, url):
            article = NewsPlease.from_html(html, url=url, fetch_images=False)
            return article.maintext if article else None

    elif tool == "newspaper4k":
        from newspaper import Article

        def run(html, url):
            # no image fetching: it would reach for the pages' real hosts, which are offline here
            article = Article(url or "http://localhost/", fetch_images=False)
            article.download(input_html=html)
            article.parse()
            return article.text

    elif tool == "trafilatura":
        import trafilatura

        def run(html, url):
            return trafilatura.extract(html, url=url)

    else:
        raise SystemExit(f"unknown tool {tool!r}")
    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    run = extractor(args.tool)
    started = time.perf_counter()
    count = 0
    with open(args.input, encoding="utf-8") as fh, open(args.out, "w", encoding="utf-8") as out:
        for line in fh:
            page = json.loads(line)
            with open(page["path"], "rb") as h:
                raw = h.read()
            if page["path"].endswith(".gz"):
                raw = gzip.decompress(raw)
            html = raw.decode("utf-8", errors="replace")
            try:
                text = run(html, page.get("url"))
            except Exception as exc:  # a peer failing on one page must not end the comparison
                print(f"{page['id']}: {type(exc).__name__}: {exc}", file=sys.stderr)
                text = None
            out.write(json.dumps({"id": page["id"], "text": text}, ensure_ascii=False) + "\n")
            count += 1
    print(json.dumps({"pages": count, "seconds": time.perf_counter() - started}))


if __name__ == "__main__":
    main()
