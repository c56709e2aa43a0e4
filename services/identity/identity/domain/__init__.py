"""Identity's rules as plain Python: no database, HTTP or broker; time is passed in as ``now``.

users / user_fields / phones / registration  who a user is and what a registration form must hold
password_policy / password_hashing           which passwords are refused; argon2id hashes
verification_codes / rate_limits             SMS codes and how often they may be sent
lockout                                      locking a login after repeated failures
cards / card_keys / card_challenges          card binding and challenge-response card login
signing_keys / access_tokens / refresh_tokens  JWKs, access JWTs, rotating refresh tokens
errors                                       the api.md error codes
"""
