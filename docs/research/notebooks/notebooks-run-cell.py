#!/usr/bin/env python3
"""Run `1+1` in a Jupyter kernel over REST + WebSocket. Needs only `websocket-client` (ships with jupyterlab 4.x deps).
usage: run_cell.py BASE_HTTP_URL TOKEN [--v1]   e.g. http://127.0.0.1:18888/notebook/team-a/nb1/ t0ken
"""
import json, sys, uuid, urllib.request, time, struct
import websocket  # websocket-client

base, token = sys.argv[1].rstrip("/") + "/", sys.argv[2]
v1 = "--v1" in sys.argv
hdr = {"Authorization": f"token {token}", "Content-Type": "application/json"}

def api(method, path, body=None):
    req = urllib.request.Request(base + path, method=method, headers=hdr,
                                 data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(req) as r:
        return r.status, (json.loads(r.read() or b"null"))

st, kernel = api("POST", "api/kernels", {"name": "python3"})
print("POST api/kernels ->", st, kernel)
kid = kernel["id"]
ws_url = base.replace("http", "ws", 1) + f"api/kernels/{kid}/channels?session_id={uuid.uuid4().hex}"
ws = websocket.create_connection(ws_url, header=[f"Authorization: token {token}"],
                                 subprotocols=["v1.kernel.websocket.jupyter.org"] if v1 else None, timeout=30)
print("WS connected, negotiated subprotocol:", ws.getsubprotocol())

msg_id = uuid.uuid4().hex
msg = {
    "header": {"msg_id": msg_id, "username": "capstan", "session": uuid.uuid4().hex,
               "msg_type": "execute_request", "version": "5.3", "date": ""},
    "parent_header": {}, "metadata": {},
    "content": {"code": "1+1", "silent": False, "store_history": True,
                "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
    "channel": "shell", "buffers": [],
}
print("SEND", json.dumps(msg))

def encode_v1(m):
    # v1.kernel.websocket.jupyter.org: binary frame = offsets table + channel + header + parent_header + metadata + content (+buffers)
    parts = [m["channel"].encode()] + [json.dumps(m[k]).encode() for k in ("header", "parent_header", "metadata", "content")]
    n = len(parts) + 1
    offsets, pos = [], 8 * (n + 1)
    for p in parts:
        offsets.append(pos); pos += len(p)
    offsets.append(pos)
    return struct.pack("<Q", n) + b"".join(struct.pack("<Q", o) for o in offsets) + b"".join(parts)

def decode_v1(data):
    n = struct.unpack_from("<Q", data, 0)[0]
    offs = [struct.unpack_from("<Q", data, 8 * (i + 1))[0] for i in range(n)]
    offs.append(len(data))
    parts = [data[offs[i]:offs[i + 1]] for i in range(n)]
    m = {"channel": parts[0].decode()}
    for k, p in zip(("header", "parent_header", "metadata", "content"), parts[1:5]):
        m[k] = json.loads(p)
    return m

if v1:
    ws.send_binary(encode_v1(msg))
else:
    ws.send(json.dumps(msg))

result = None
deadline = time.time() + 30
while time.time() < deadline:
    raw = ws.recv()
    m = decode_v1(raw) if v1 and isinstance(raw, bytes) else json.loads(raw)
    if m.get("parent_header", {}).get("msg_id") != msg_id:
        continue
    mt = m["header"]["msg_type"]
    print("RECV", m["channel"], mt, json.dumps(m["content"])[:200])
    if mt == "execute_result":
        result = m["content"]["data"]["text/plain"]
    if mt == "status" and m["content"]["execution_state"] == "idle" and result is not None:
        break
ws.close()
print("RESULT", result)
print("GET api/kernels ->", api("GET", "api/kernels")[1])
print("GET api/status ->", api("GET", "api/status")[1])
api("DELETE", f"api/kernels/{kid}")
sys.exit(0 if result == "2" else 1)
