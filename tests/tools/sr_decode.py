#!/usr/bin/env python3
"""tests/tools/sr_decode.py - decodes Confluent-framed Kafka values with
Confluent's own Python client: confluent_kafka's AvroDeserializer, which
reads the magic byte and schema id and fetches the writer schema from the
registry through SchemaRegistryClient. An implementation independent of
lineaged's framing, registry client and Avro encoder.

  sr_decode.py URL USER_INFO TOPIC FILE...

USER_INFO is "user:password" or "" for none. Each FILE holds one Kafka
value; one JSON line per file is printed: the decoded record (timestamps as
epoch milliseconds) plus "_schema_id" (the id in the frame) and
"_record" (the writer schema's full name as the registry returned it).
"""
import json
import sys

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

from avro_decode import plain  # same folder: timestamps as epoch ms


def main(argv):
    url, user_info, topic = argv[1], argv[2], argv[3]
    conf = {"url": url}
    if user_info:
        conf["basic.auth.user.info"] = user_info
    client = SchemaRegistryClient(conf)
    deser = AvroDeserializer(client)
    ctx = SerializationContext(topic, MessageField.VALUE)
    for path in argv[4:]:
        with open(path, "rb") as f:
            data = f.read()
        rec = plain(deser(data, ctx))
        sid = int.from_bytes(data[1:5], "big")
        schema = json.loads(client.get_schema(sid).schema_str)
        rec["_schema_id"] = sid
        rec["_record"] = schema.get("namespace", "") + "." + schema["name"]
        print(json.dumps(rec, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv)
