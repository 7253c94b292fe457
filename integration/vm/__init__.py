"""The soft-dirty VM tier: pre-dump tests that run inside a Debian 6.1 kernel under qemu (make test-vm)."""
