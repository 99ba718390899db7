"""DEX protocols: exact integer pool math and pool state snapshots, one subpackage per protocol."""
