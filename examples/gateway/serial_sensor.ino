// An Arduino on USB serial, talking to hanode's line-protocol gateway.
// It names itself, publishes a reading every 10 s as variable `porch_temp`, follows variable
// `porch_light` on pin 13, answers keep-alives, and prints messages other devices send it.
//
// hanode.yaml on the Pi it is plugged into:
//   gateway:
//     serial: [ { path: /dev/ttyACM0, baud: 115200 } ]
//     allow: [porch-arduino]

const char* DEVICE_ID = "porch-arduino";
const int LIGHT_PIN = 13;
const unsigned long EVERY_MS = 10000;

char line[128];
size_t len = 0;
unsigned long last = 0;

void send(const char* command, const char* fields) {
  Serial.print("START | COMMAND=");
  Serial.print(command);
  if (fields[0]) {
    Serial.print(" | ");
    Serial.print(fields);
  }
  Serial.print(" | END\n");
}

// The value of KEY= in a gateway line; VALUE runs to the final " | END".
bool field(const char* text, const char* key, char* out, size_t size) {
  const char* at = strstr(text, key);
  if (!at) return false;
  at += strlen(key);
  const char* end = strcmp(key, "VALUE=") == 0 ? strstr(at, " | END") : strstr(at, " |");
  if (!end) end = at + strlen(at);
  size_t n = min((size_t)(end - at), size - 1);
  memcpy(out, at, n);
  out[n] = 0;
  return true;
}

void handle(const char* text) {
  char value[64], name[65];
  if (strstr(text, "COMMAND=HELLO?")) {
    send("HELLO!", "");
  } else if (strstr(text, "COMMAND=SUB") && field(text, "VARIABLE=", name, sizeof name) && field(text, "VALUE=", value, sizeof value)) {
    if (strcmp(name, "porch_light") == 0) digitalWrite(LIGHT_PIN, strcmp(value, "ON") == 0 ? HIGH : LOW);
  } else if (strstr(text, "COMMAND=MSG") && field(text, "DEVICE=", name, sizeof name) && field(text, "VALUE=", value, sizeof value)) {
    // A message from device `name`; a real sketch would act on it.
  } else if (strstr(text, "COMMAND=CLOSE")) {
    delay(1000);
    hello();
  }
  // OK and BAD answers need nothing here; BAD may carry REASON=… for a serial monitor.
}

void hello() {
  char fields[80];
  snprintf(fields, sizeof fields, "ID=%s", DEVICE_ID);
  send("ID", fields);
  send("SUB", "VARIABLE=porch_light");
}

void setup() {
  pinMode(LIGHT_PIN, OUTPUT);
  Serial.begin(115200);
  while (!Serial) {}
  hello();
}

void loop() {
  while (Serial.available()) {
    char c = Serial.read();
    if (c == '\n') {
      line[len] = 0;
      handle(line);
      len = 0;
    } else if (c != '\r' && len < sizeof line - 1) {
      line[len++] = c;
    }
  }
  if (millis() - last >= EVERY_MS) {
    last = millis();
    char fields[64];
    // analogRead of a TMP36 on A0: 10 mV/°C with a 500 mV offset, 5 V reference.
    float celsius = (analogRead(A0) * 5.0 / 1024.0 - 0.5) * 100.0;
    snprintf(fields, sizeof fields, "VARIABLE=porch_temp | VALUE=%d.%d", (int)celsius, abs((int)(celsius * 10)) % 10);
    send("PUB", fields);
  }
}
