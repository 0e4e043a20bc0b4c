/**
 * Azure IoT Hub shared access signatures, as documented for devices: the resource URI
 * `<hostname>/devices/<deviceId>` URL-encoded, signed with HMAC-SHA256 keyed by the base64-decoded
 * device key over `<encoded uri>\n<expiry>`, the signature base64 then URL-encoded.
 */
import { createHmac } from 'node:crypto';

export interface SasInput {
  hostName: string;
  deviceId: string;
  /** The SharedAccessKey, base64. */
  key: string;
  /** Expiry in seconds since the epoch. */
  expiry: number;
}

export function sasToken({ hostName, deviceId, key, expiry }: SasInput): string {
  const sr = encodeURIComponent(`${hostName}/devices/${deviceId}`);
  const sig = createHmac('sha256', Buffer.from(key, 'base64')).update(`${sr}\n${expiry}`).digest('base64');
  return `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(sig)}&se=${expiry}`;
}

/** The MQTT user name IoT Hub expects from a device. */
export function azureUsername(hostName: string, deviceId: string): string {
  return `${hostName}/${deviceId}/?api-version=2021-04-12`;
}
