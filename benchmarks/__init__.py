"""Benchmarks: a generated local news site, planwatch against its peers and the extraction ceiling."""
