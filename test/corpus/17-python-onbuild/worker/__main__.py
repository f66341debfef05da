from worker.tasks import app

app.worker_main(["worker", "--loglevel=info"])
