import { DlError, DlFormatError, errorCodes, isDlError } from '@dl/errors';

try {
  throw new DlFormatError('DL_TRUNCATED', 'input ends after 3 of 5 bytes', 812, 'import count', 'libz.so');
} catch (e) {
  // Branch on the stable code, never on the message.
  if (isDlError(e) && e.code === 'DL_TRUNCATED') {
    console.log(e.message);
    console.log(errorCodes[e.code]);
    console.log(JSON.stringify(e));
  }
}
console.log(new DlError('DL_NOT_FOUND', 'no such file', { library: 'libm.so' }) instanceof DlError);
