"""
A current ClickHouse behind the HTTP interface, for testing the warehouse against it.

There is no Docker engine here and Debian ships ClickHouse 18.16 only. PyPI's chdb-core carries the
whole current ClickHouse engine (parser, analyzer, MergeTree family, materialized views, formats)
as a library, with no server. This file puts the part of the ClickHouse HTTP interface that
@clickhouse/client uses in front of one chdb session:

  GET/POST /ping                       -> "Ok.\n"
  POST / with the SQL as body          -> query()/command(): the SQL runs, its output is the body
  POST /?query=INSERT … FORMAT F, body -> insert()/exec(): the body is the data of the INSERT
  URL params: database, query_id, session_id, default_format and credentials are taken as the
  server takes them; every other param is a setting for that one request, as on the server.

Errors answer 500 with the server's own text ("Code: N. DB::Exception: … (TYPE)") and the
X-ClickHouse-Exception-Code header, as the server does. Requests run one at a time (one session):
a real server runs them concurrently, so this cannot show what only concurrency shows (two inserts
with one query_id racing, say); the tests it runs do not depend on that. Everything SQL does,
though, is current ClickHouse's own code.

  python server.py --port 8124 --path /var/lib/hourglass-local/clickhouse-current
"""

import argparse
import os
import re
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from chdb import session as chdb_session

# URL params the HTTP handler of the server reads itself; all others are settings.
NOT_SETTINGS = {
    "query", "database", "query_id", "session_id", "session_timeout", "session_check",
    "default_format", "user", "password", "quota_key", "compress", "decompress",
    "buffer_size", "wait_end_of_query", "stacktrace", "role", "client_protocol_version",
}
INSERT_WITH_FORMAT = re.compile(r"^(\s*INSERT\s+INTO\s+.+?)\s+FORMAT\s+(\w+)\s*$", re.I | re.S)
CODE_OF = re.compile(r"Code: (\d+)")
# Setting and database names: plain identifiers (they are put into SET and USE unquoted or backticked).
SETTING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def literal(value):
    if NUMBER.match(value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class Engine:
    """One chdb session; every request holds the lock from its settings to its result."""

    def __init__(self, path, spool):
        self.session = chdb_session.Session(path)
        self.lock = threading.Lock()
        self.spool = spool
        # chdb changes a few defaults for notebooks; a server has them off.
        for name in ("implicit_select", "allow_introspection_functions"):
            self.session.query(f"SET {name} = 0", "TabSeparated")
        self.version = self.session.query("SELECT version()", "TabSeparated").bytes().decode().strip()

    def run(self, sql, database, settings, body):
        with self.lock:
            data_file = None
            try:
                self.session.query(f"USE `{database}`", "TabSeparated")
                for name, value in settings:
                    self.session.query(f"SET {name} = {literal(value)}", "TabSeparated")
                if body is not None:
                    m = INSERT_WITH_FORMAT.match(sql)
                    if m is None:
                        raise ValueError("Code: 62. DB::Exception: a request body is only taken as INSERT … FORMAT data here (SYNTAX_ERROR)")
                    fd, data_file = tempfile.mkstemp(dir=self.spool)
                    with os.fdopen(fd, "wb") as f:
                        f.write(body)
                    sql = f"{m.group(1)} FROM INFILE '{data_file}' FORMAT {m.group(2)}"
                return self.session.query(sql, "TabSeparated").bytes()
            finally:
                if data_file is not None:
                    os.unlink(data_file)
                for name, _ in settings:
                    try:
                        self.session.query(f"SET {name} = DEFAULT", "TabSeparated")
                    except Exception:  # a setting the server refused was never set
                        pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    engine: Engine

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def answer(self, status, body, headers=()):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "text/plain; charset=UTF-8")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def handle_request(self, body):
        url = urlsplit(self.path)
        if url.path in ("/ping", "/ping/"):
            return self.answer(200, b"Ok.\n")
        if url.path not in ("/", ""):
            return self.answer(404, b"Code: 404. DB::Exception: no such handler here (UNKNOWN)\n")
        params = parse_qsl(url.query, keep_blank_values=True)
        named = dict(params)
        query_id = named.get("query_id", "")
        settings = [(k, v) for k, v in params if k not in NOT_SETTINGS and not k.startswith("param_")]
        database = named.get("database", "default")
        if not SETTING_NAME.match(database):
            return self.answer(400, f"Code: 81. DB::Exception: Database {database} does not exist (UNKNOWN_DATABASE)\n".encode())
        for k, _ in settings:
            if not SETTING_NAME.match(k):
                return self.answer(400, f"Code: 115. DB::Exception: Unknown setting {k} (UNKNOWN_SETTING)\n".encode())
        if "query" in named:
            sql, data = named["query"], (body if body else None)
        else:
            sql, data = body.decode("utf-8"), None
        try:
            out = self.engine.run(sql, database, settings, data)
        except Exception as err:  # chdb raises one error type; its text is the server's
            text = str(err)
            m = CODE_OF.search(text)
            code = m.group(1) if m else "1001"
            if not m:
                text = f"Code: {code}. DB::Exception: {text} (STD_EXCEPTION)"
            return self.answer(500, f"{text} (version {self.engine.version})\n".encode(), [
                ("X-ClickHouse-Exception-Code", code),
                ("X-ClickHouse-Query-Id", query_id),
            ])
        self.answer(200, out, [
            ("X-ClickHouse-Query-Id", query_id),
            ("X-ClickHouse-Summary", '{"read_rows":"0","read_bytes":"0","written_rows":"0","written_bytes":"0","total_rows_to_read":"0"}'),
        ])

    def do_GET(self):  # noqa: N802 - http.server's name
        self.handle_request(b"")

    def do_POST(self):  # noqa: N802 - http.server's name
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            body = b"".join(chunks)
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.handle_request(body)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8124)
    parser.add_argument("--path", required=True)
    args = parser.parse_args()
    os.makedirs(args.path, exist_ok=True)
    spool = os.path.join(args.path, "spool")
    os.makedirs(spool, exist_ok=True)
    Handler.engine = Engine(os.path.join(args.path, "data"), spool)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"ClickHouse {Handler.engine.version} (chdb) on http://127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
