import { isIP } from 'node:net';
import { Doc, fillField, setField } from '../fields';

const FAILED = /^Failed \S+ for (?:invalid user )?(.*?) from (\S+) port (\d+)/;
const ACCEPTED = /^Accepted \S+ for (\S+) from (\S+) port (\d+)/;
const INVALID_USER = /^Invalid user (.*?) from (\S+)(?: port (\d+))?/;
const CLOSED_PREAUTH =
  /^(?:Connection closed by|Disconnected from) (?:authenticating|invalid) user (.*?) (\S+) port (\d+)/;
const PAM_FAILURE =
  /^pam_unix\(sshd:auth\): authentication failure;.*?\brhost=(\S*)(?:\s+user=(\S+))?/;

/**
 * Maps an OpenSSH authentication message (the text after `sshd[pid]: `, or
 * a bare line): failed / accepted logins, invalid users, connections closed
 * before authentication completed and pam_unix failures. Returns false for
 * every other sshd message.
 */
export function parseSshdMessage(doc: Doc, message: string): boolean {
  let m: RegExpExecArray | null = null;
  let success = false;
  switch (message.charCodeAt(0)) {
    case 70: // F
      m = FAILED.exec(message);
      break;
    case 65: // A
      m = ACCEPTED.exec(message);
      success = m !== null;
      break;
    case 73: // I
      m = INVALID_USER.exec(message);
      break;
    case 67: // C
    case 68: // D
      m = CLOSED_PREAUTH.exec(message);
      break;
    case 112: // p
      m = PAM_FAILURE.exec(message);
      if (m !== null) {
        login(doc, m[2], m[1], undefined, false);
        return true;
      }
      return false;
  }
  if (m === null) return false;
  login(doc, m[1], m[2], m[3], success);
  return true;
}

function login(
  doc: Doc,
  user: string | undefined,
  address: string,
  port: string | undefined,
  success: boolean,
): void {
  if (user !== undefined && user !== '') setField(doc, 'user.name', user);
  if (address !== '') {
    setField(doc, 'source.address', address);
    if (isIP(address) !== 0) setField(doc, 'source.ip', address);
  }
  if (port !== undefined) setField(doc, 'source.port', Number(port));
  setField(doc, 'event.category', ['authentication']);
  setField(doc, 'event.action', 'ssh_login');
  setField(doc, 'event.outcome', success ? 'success' : 'failure');
  fillField(doc, 'process.name', 'sshd');
}
