#!/usr/bin/env python3
"""flask_users.py -- a users.db as the Flask portal left it, for the tests.

Usage: flask_users.py PATH N

Makes PATH (SQLite) with the Flask portal's table `user` (id, username,
password, email, first_name, last_name, address, as Flask-SQLAlchemy
created it) and N + 5 rows:

  1  alice / "Correct horse 1"     werkzeug scrypt:32768:8:1 (hashlib.scrypt,
                                   as werkzeug.security makes it)
  2  bob   / "Battery staple 2"    werkzeug pbkdf2:sha256:260000
  3  carol                         email "carol-at-example.org" (invalid)
  4  ALICE                         the username of row 1 in capitals
  5  dave                          address NULL
  6.. user0001 ... userN           valid; alice's hash copied (the import
                                   takes hashes as they are)

Python's standard library only.  Prints nothing; exits non-zero on error.
"""
import hashlib
import sqlite3
import sys

SALT = "q8W3zR1tY6uI0pLk"


def scrypt_hash(pw):
    n, r, p = 32768, 8, 1
    h = hashlib.scrypt(pw.encode(), salt=SALT.encode(), n=n, r=r, p=p,
                       maxmem=132 * n * r * p, dklen=64)
    return "scrypt:%d:%d:%d$%s$%s" % (n, r, p, SALT, h.hex())


def pbkdf2_hash(pw):
    it = 260000
    h = hashlib.pbkdf2_hmac("sha256", pw.encode(), SALT.encode(), it)
    return "pbkdf2:sha256:%d$%s$%s" % (it, SALT, h.hex())


def main():
    path, n = sys.argv[1], int(sys.argv[2])
    db = sqlite3.connect(path)
    db.execute("""CREATE TABLE user (
        id INTEGER NOT NULL,
        username VARCHAR(150) NOT NULL,
        password VARCHAR(200) NOT NULL,
        email VARCHAR(150),
        first_name VARCHAR(150),
        last_name VARCHAR(150),
        address VARCHAR(300),
        PRIMARY KEY (id),
        UNIQUE (username))""")
    alice = scrypt_hash("Correct horse 1")
    rows = [
        (1, "alice", alice, "alice@example.org", "Alice", "Liddell",
         "1 Rabbit Hole, Oxford"),
        (2, "bob", pbkdf2_hash("Battery staple 2"), "bob@example.org", "Bob",
         "O'Brien", "2 Main Street, Springfield"),
        (3, "carol", alice, "carol-at-example.org", "Carol", "Danvers",
         "3 Sky Road"),
        (4, "ALICE", alice, "alice2@example.org", "Alice", "Two", "4 Lane"),
        (5, "dave", alice, "dave@example.org", "Dave", "Null", None),
    ]
    for i in range(1, n + 1):
        rows.append((5 + i, "user%04d" % i, alice, "user%04d@example.net" % i,
                     "User", "Number %d" % i, "%d Test Street, Town" % i))
    db.executemany("INSERT INTO user VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    db.commit()
    db.close()


if __name__ == "__main__":
    main()
