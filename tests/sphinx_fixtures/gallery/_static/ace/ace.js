// stand-in for Ace in tests
