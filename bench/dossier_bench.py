def run(with_5m: bool = False) -> dict:
    return {}
