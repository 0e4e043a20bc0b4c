# MicroPython on an ESP8266/ESP32 over Wi-Fi, talking to hanode's line-protocol gateway on TCP.
# It names itself, sends the state of a button as variable `garage_door`, switches an LED from
# variable `garage_light`, answers keep-alives, and reconnects whenever the link drops.
#
# hanode.yaml on the Pi (0.0.0.0 lets the Wi-Fi in; hanode logs a warning, as it should):
#   gateway:
#     tcp: { host: 0.0.0.0, port: 7420 }
#     allow: [garage-esp]
import socket
import time
from machine import Pin

GATEWAY = ("192.168.1.20", 7420)
DEVICE_ID = "garage-esp"
button = Pin(0, Pin.IN, Pin.PULL_UP)
led = Pin(2, Pin.OUT)


def send(s, command, **fields):
    parts = ["START", "COMMAND=" + command]
    # VALUE must come last: it may hold '|'.
    for key in sorted(fields, key=lambda k: k == "VALUE"):
        parts.append("%s=%s" % (key, fields[key]))
    s.write((" | ".join(parts) + " | END\n").encode())


def parse(line):
    """The gateway's line as a dict: COMMAND, VARIABLE, DEVICE, VALUE, REASON."""
    line = line.decode().strip()
    if not (line.startswith("START") and line.endswith("END")):
        return {}
    body = line[line.index("|") + 1 : line.rindex("|")]
    out = {}
    while body:
        key, _, rest = body.partition("=")
        key = key.strip()
        if key in ("VALUE", "REASON"):
            out[key] = rest.strip()
            break
        value, _, body = rest.partition("|")
        out[key] = value.strip()
    return out


def run():
    s = socket.socket()
    s.connect(GATEWAY)
    s.settimeout(0.1)
    send(s, "ID", ID=DEVICE_ID)
    send(s, "SUB", VARIABLE="garage_light")
    last = None
    buf = b""
    while True:
        state = "OPEN" if button.value() else "CLOSED"
        if state != last:
            send(s, "PUB", VARIABLE="garage_door", VALUE=state)
            last = state
        try:
            chunk = s.recv(256)
        except OSError as e:
            if e.args[0] not in (11, 110):  # EAGAIN, ETIMEDOUT: nothing to read yet
                raise
            chunk = None
        if chunk == b"":
            raise OSError("closed")
        if chunk:
            buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            m = parse(line)
            cmd = m.get("COMMAND")
            if cmd == "HELLO?":
                send(s, "HELLO!")
            elif cmd == "SUB" and m.get("VARIABLE") == "garage_light":
                led.value(1 if m.get("VALUE") == "ON" else 0)
            elif cmd == "MSG":
                print("message from", m.get("DEVICE"), ":", m.get("VALUE"))
            elif cmd == "BAD":
                print("gateway said BAD:", m.get("REASON", ""))
            elif cmd == "CLOSE":
                raise OSError("closed")


while True:
    try:
        run()
    except OSError as e:
        print("gateway link lost:", e, "- retrying in 5 s")
        time.sleep(5)
