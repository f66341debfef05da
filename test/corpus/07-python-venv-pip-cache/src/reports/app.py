from fastapi import FastAPI

app = FastAPI()


@app.get("/reports")
def list_reports() -> list[str]:
    return ["2026-01"]
