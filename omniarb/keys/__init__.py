"""Key management: where the bot's signing keys live (environment, encrypted keystore, PKCS#11
token), the pool of executor keys per chain, and their rotation."""
