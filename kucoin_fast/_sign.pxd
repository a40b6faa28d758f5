# cython: language_level=3
cpdef bytes hmac_sha256_b64(bytes key, bytes message)
cpdef bytes sign_challenge(bytes secret, bytes challenge)
cpdef str percent_encode(str value)
cpdef str build_signed_query(str api_key, str api_secret, str api_passphrase,
                             long long timestamp_ms, str partner=*, str partner_key=*,
                             bint enable_ns=*)
