"""Browser pages."""

from django.http import HttpResponse


def overview(request):
    return HttpResponse("Layerwise")
