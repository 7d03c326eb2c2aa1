#!/usr/bin/env python3
"""check_mail.py -- parse a message file with Python's email package and
print its structure as JSON, so that tests can compare what a standard
parser sees with what was put into the message.

Usage: check_mail.py FILE

Output (one JSON object on stdout):
  header_names  names of the top-level header fields, in order
  subject, message_id, date, mime_version, auto_submitted
                decoded header values (null when absent)
  from, to      lists of {"name": display name, "addr": addr-spec}
  structure     e.g. "multipart/mixed(multipart/alternative(text/plain,
                text/html),application/pdf)"
  parts         leaf parts in order: content_type, charset, cte,
                disposition, filename, text (text/* only, decoded, CRLF
                turned into LF) and data_b64 (the decoded bytes, base64)
  defects       every defect the parser recorded, as strings
  raw           {"max_line": longest line without its CRLF,
                 "bare_lf": LFs not preceded by CR,
                 "bare_cr": CRs not followed by LF}
Only the standard library is used.
"""
import base64
import email
import email.policy
import json
import sys


def structure(part):
    ctype = part.get_content_type()
    if part.is_multipart():
        inner = ",".join(structure(p) for p in part.iter_parts())
        return "%s(%s)" % (ctype, inner)
    return ctype


def addresses(msg, name):
    header = msg[name]
    if header is None:
        return []
    return [{"name": a.display_name, "addr": a.addr_spec}
            for a in header.addresses]


def header_str(msg, name):
    value = msg[name]
    return None if value is None else str(value)


def leaf(part):
    data = part.get_payload(decode=True) or b""
    info = {
        "content_type": part.get_content_type(),
        "charset": part.get_content_charset(),
        "cte": part.get("Content-Transfer-Encoding"),
        "disposition": part.get_content_disposition(),
        "filename": part.get_filename(),
        "data_b64": base64.b64encode(data).decode("ascii"),
    }
    if part.get_content_maintype() == "text":
        info["text"] = part.get_content().replace("\r\n", "\n")
    return info


def raw_stats(raw):
    lines = raw.split(b"\r\n")
    return {
        "max_line": max(len(line) for line in lines),
        "bare_lf": raw.count(b"\n") - raw.count(b"\r\n"),
        "bare_cr": raw.count(b"\r") - raw.count(b"\r\n"),
    }


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: check_mail.py FILE\n")
        return 2
    with open(sys.argv[1], "rb") as f:
        raw = f.read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    defects = [repr(d) for d in msg.defects]
    parts = []
    for part in msg.walk():
        defects.extend(repr(d) for d in part.defects if part is not msg)
        if not part.is_multipart():
            parts.append(leaf(part))
    out = {
        "header_names": list(msg.keys()),
        "subject": header_str(msg, "Subject"),
        "message_id": header_str(msg, "Message-ID"),
        "date": header_str(msg, "Date"),
        "mime_version": header_str(msg, "MIME-Version"),
        "auto_submitted": header_str(msg, "Auto-Submitted"),
        "from": addresses(msg, "From"),
        "to": addresses(msg, "To"),
        "structure": structure(msg),
        "parts": parts,
        "defects": defects,
        "raw": raw_stats(raw),
    }
    json.dump(out, sys.stdout, ensure_ascii=True, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
