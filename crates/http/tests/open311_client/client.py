#!/usr/bin/env python3
"""Drives a gongzhi server through georeport, an Open311 GeoReport v2
client library from PyPI, and prints what it saw as one JSON object for
the Rust test `open311.rs` to check.

Usage: client.py ENDPOINT API_KEY
  ENDPOINT  the GeoReport v2 root, e.g. http://127.0.0.1:8080/open311/v2

georeport reads services, service definitions and requests, in JSON and
in XML, but cannot create requests; the one POST is therefore made as the
spec describes it (form-encoded, api_key in the body) with requests, the
HTTP library georeport itself is built on.
"""

import importlib.metadata
import json
import sys

import requests
from georeport import GeoReport


def main(endpoint: str, api_key: str) -> dict:
    client = GeoReport(endpoint, api_key=api_key)
    xml_client = GeoReport(endpoint, api_key=api_key, output_format="xml")
    services = client.get_service_list()
    xml_services = xml_client.get_service_list()
    posted = requests.post(
        f"{client.root_address}/requests.json",
        data={
            "api_key": client.api_key,
            "service_code": "0102",
            "lat": "23.365",
            "long": "116.705",
            "address_string": "金砂路 88 号",
            "first_name": "小明",
            "last_name": "王",
            "phone": "13812345678",
            "description": "Rubbish left at the gate of the estate",
        },
        timeout=30,
    )
    posted.raise_for_status()
    created = posted.json()
    number = created[0]["service_request_id"]
    open_rubbish = client.get_service_requests(service_code="0102", status="open")
    return {
        "library": f"georeport {importlib.metadata.version('georeport')}",
        "service_codes": [s["service_code"] for s in services],
        "xml_service_codes": [s["service_code"] for s in xml_services],
        "definition": client.get_service_definition("0102"),
        "xml_definition": xml_client.get_service_definition("0102"),
        "created": created,
        "request": client.get_service_request(number),
        "xml_request": xml_client.get_service_request(number),
        "listed": [r["service_request_id"] for r in open_rubbish],
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2]), ensure_ascii=False))
