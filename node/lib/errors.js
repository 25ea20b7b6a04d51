'use strict';
// Errors of jobs: status codes of oneloop/common.h become Node-style codes.
const CODES = {
  [-1]: 'ERROR', [-2]: 'EINVAL', [-3]: 'ENOMEM', [-4]: 'ETIMEDOUT', [-5]: 'ECANCELED',
  [-6]: 'ECLOSED', [-7]: 'EDEADLK', [-8]: 'EFORKED', [-9]: 'EAGAIN', [-10]: 'EPENDING',
  [-11]: 'ENOTSUP', [-12]: 'EALREADY', [-13]: 'ESTATE',
  [-30]: 'EURL', [-31]: 'EPROTOCOL_DENIED', [-32]: 'EDNS', [-33]: 'ECONNREFUSED',
  [-34]: 'ECONNECT', [-35]: 'ETLS', [-36]: 'ETOOLARGE', [-37]: 'EPROTO', [-38]: 'ERECV',
  [-39]: 'ESEND', [-40]: 'EPARTIAL', [-41]: 'EREDIRECTS', [-42]: 'EEMPTY', [-43]: 'EHOSTLIMIT',
};

class OneloopError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'OneloopError';
    this.errno = status;
    this.code = `OL_${CODES[status] || 'ERROR'}`;
  }
}

function makeError(status, message) {
  return new OneloopError(status, message || `oneloop error ${status}`);
}

module.exports = { OneloopError, makeError };
