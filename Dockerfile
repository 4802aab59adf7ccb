# The production image: gunicorn + whitenoise for web; the same image runs the worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=panitch.settings.production

WORKDIR /app
COPY requirements.txt constraints.txt ./
RUN pip install --no-cache-dir -c constraints.txt -r requirements.txt

COPY . .
# collectstatic only reads files; throwaway values satisfy the production settings' checks.
RUN SECRET_KEY=$(python -c "import secrets; print(secrets.token_urlsafe(64))") \
    ALLOWED_HOSTS=build.invalid PANITCH_BASE_URL=https://build.invalid \
    python manage.py collectstatic --noinput \
    && useradd --create-home panitch \
    && mkdir -p /app/var/media && chown -R panitch /app/var

USER panitch
EXPOSE 8000
# FORWARDED_ALLOW_IPS (the proxy's address) is read by gunicorn and Django; see docker-compose.yml.
CMD ["gunicorn", "panitch.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-", "--logger-class", "panitch.logging.GunicornLogger"]
