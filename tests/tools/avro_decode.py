#!/usr/bin/env python3
"""tests/tools/avro_decode.py - an independent Avro reader (fastavro) for
the sink tests, so lineaged's Avro output is checked by a second
implementation, not only by the libavro that wrote it.

  avro_decode.py decode SCHEMA.avsc DATA.bin   one bare datum -> JSON line
  avro_decode.py pcf SCHEMA.avsc               Parsing Canonical Form
  avro_decode.py fingerprint SCHEMA.avsc       CRC-64-AVRO, hex as fastavro

bytes values are printed as base64 strings; everything else as JSON.
"""
import base64
import io
import json
import sys

from fastavro import parse_schema, schemaless_reader
from fastavro.schema import fingerprint, to_parsing_canonical_form


def plain(v):
    if isinstance(v, bytes):
        return base64.b64encode(v).decode("ascii")
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    if hasattr(v, "timestamp"):  # timestamp-millis decoded to datetime
        return int(round(v.timestamp() * 1000))
    return v


def main(argv):
    cmd, schema_path = argv[1], argv[2]
    with open(schema_path, encoding="utf-8") as f:
        schema = parse_schema(json.load(f))
    if cmd == "decode":
        with open(argv[3], "rb") as f:
            data = f.read()
        buf = io.BytesIO(data)
        rec = schemaless_reader(buf, schema, None)
        if buf.tell() != len(data):
            sys.exit("trailing bytes after the datum: %d" % (len(data) - buf.tell()))
        print(json.dumps(plain(rec), sort_keys=True))
    elif cmd == "pcf":
        print(to_parsing_canonical_form(schema))
    elif cmd == "fingerprint":
        print(fingerprint(to_parsing_canonical_form(schema), "CRC-64-AVRO"))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
